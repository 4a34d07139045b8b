const x = require("./nope.js");
// want-error: require("./nope.js"): no file nope.js
