const schema = {id: "int64", name: "string"};
function call(p, c, h) { return [{id: 1, name: "a"}, {id: 2}]; }
