/** @sdmp/store-sqlite. @module */
export {}
