const root = require("/etc/passwd");
const schema = {v: "string"};
function call() {}
