/** @sdmp/transport. @module */
export {}
