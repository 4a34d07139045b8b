const name = "has space";
const schema = {a: "int64"};
function call() {}
