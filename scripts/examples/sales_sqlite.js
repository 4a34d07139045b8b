// A dataset over a SQLite database (data/sales.sqlite, the "examples"
// connection the bundled examples get). The whole GoodData request becomes
// one query: its attribute and date filters go into WHERE as bound
// parameters, the columns hint into the SELECT list.
const name = "SalesSqliteJs";
const metadata = {description: "Daily sales by region and product, from SQLite, filters pushed down"};
const schema = {
  day: "date32",
  region: "string",
  product: "string",
  units: "int64",
  revenue: "decimal128(12, 2)",
};
const labels = {"region.name": "region", "product.name": "product", "order_date": "day"};

function call(parameters, columns, headers, ctx) {
  return sql.select("examples", "sales", {filters: ctx.execution, order_by: ["day", "region", "product"]});
}
