const schema = {id: "int64", name: "string"};
function call() { return {idd: [1]}; }
