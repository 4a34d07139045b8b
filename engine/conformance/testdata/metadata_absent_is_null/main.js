const schema = {a: "int64"};
function call() {}
