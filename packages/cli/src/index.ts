/** @sdmp/cli. @module */
export {}
