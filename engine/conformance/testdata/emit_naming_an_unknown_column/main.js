const schema = {id: "int64", name: "string"};
function call() { emit({idd: 1}); }
