const schema = {id: "int64", name: "string"};
function call() { emit(1, "x"); }
