const {BASE} = require("./deep/base.js");
exports.PREFIX = "answer=";
exports.double = (x) => x * BASE;
