const schema = {who: "string"};
const labels = {"customer.name": 5};
function call() {}
