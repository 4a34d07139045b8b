const schema = {id: "int64", name: "string"};
function call(p, c, h) {}
