const metadata = [1];
const schema = {a: "int64"};
function call() {}
// want-error: main.js: metadata must be an object, got array
