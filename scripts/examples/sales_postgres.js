// A dataset over PostgreSQL, filters and columns pushed down as in
// sales_sqlite.js. Configure the connection (the password from the
// environment or [flexfun.secrets]):
//
//   [flexfun.sql.sales_pg]
//   driver = "postgres"
//   dsn = "postgres://app:${PG_PASSWORD}@db.internal:5432/shop"
//
// The table: sales(day date, region text, product text, units bigint,
// revenue numeric(12, 2)).
const name = "SalesPostgresJs";
const metadata = {description: "Daily sales by region and product, from PostgreSQL, filters pushed down"};
const schema = {
  day: "date32",
  region: "string",
  product: "string",
  units: "int64",
  revenue: "decimal128(12, 2)",
};
const labels = {"region.name": "region", "product.name": "product", "order_date": "day"};

function call(parameters, columns, headers, ctx) {
  return sql.select("sales_pg", "sales", {filters: ctx.execution, order_by: ["day", "region", "product"]});
}
