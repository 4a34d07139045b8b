const schema = {id: "int64 not null"};
function call() { emit(null); }
