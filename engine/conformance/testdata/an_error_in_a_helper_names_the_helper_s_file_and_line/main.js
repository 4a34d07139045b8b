const {check} = require("./lib/util.js");
const schema = {id: "int64", name: "string"};
function call() { check("XX"); }
// want-error: lib/util.js:2:9: Error: no such region "XX"
