/** @sdmp/store-postgres. @module */
export {}
