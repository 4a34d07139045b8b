const schema = {id: "int64", name: "string"};
function call() { return {id: [1, 2], name: ["a"]}; }
