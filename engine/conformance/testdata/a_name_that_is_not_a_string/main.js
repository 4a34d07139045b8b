const name = 5;
const schema = {a: "int64"};
function call() {}
// want-error: got number
