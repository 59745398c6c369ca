/** @sdmp/store. @module */
export {}
