const call = 5;
const schema = {a: "int64"};
// want-error: got number
