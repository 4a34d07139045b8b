const schema = {a: "int65"};
function call() {}
