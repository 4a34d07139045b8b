const schema = {a: "int64"};
