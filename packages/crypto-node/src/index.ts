/** @sdmp/crypto-node. @module */
export {}
