const schema = {id: "int64", name: "string"};
function call(p, c, h) { return {name: ["a", null], id: [1, 2]}; }
