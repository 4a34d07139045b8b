const {double, PREFIX} = require("../lib/util.js");
const schema = {v: "string"};
function call() { emit(PREFIX + double(21)); }
