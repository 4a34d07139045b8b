const schema = {who: "string"};
function call() {}
