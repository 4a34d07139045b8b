const schema = {id: "int64", name: "string"};
function call() { return [1]; }
// want-error: row 1: a row must be an array or an object, got number
