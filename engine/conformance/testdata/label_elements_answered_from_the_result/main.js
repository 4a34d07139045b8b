const schema = {customer: "string", region: "string", category: "string", order_date: "date32"};
const labels = {"customer.name": "customer", "region.name": "region", "product.category": "category"};
function call(p, columns) {
  print("columns", columns.join(","));
  return [
    ["Alpha GmbH", "Europe", "Toys", "2024-03-01"],
    ["Beta GmbH", "Asia", "Toys", "2024-03-01"],
    ["Gamma gmbh", null, "Tools", "2024-02-15"],
    ["Delta GmbH", "Europe", "Discontinued", "2024-03-01"],
    ["Alpha GmbH", "Europe", "Toys", "2024-03-05"],
    ["Epsilon AG", "Europe", "Toys", "2024-03-01"],
    ["Zeta GmbH", "Europe", "Toys", "2024-01-20"],
    [null, "Europe", "Toys", "2024-03-01"],
  ];
}
