const schema = {id: "int64", name: "string"};
function call() { return 5; }
// want-error: call returned a number: want undefined (after emit), an array of rows or an object of columns
