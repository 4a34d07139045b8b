// A dataset read from a CSV file: data/sales.csv, resolved against the first
// of [flexfun] data_dirs (the bundled examples' data directory when they are
// served). It is read once, when the function loads, and every call hands
// the table over whole, without a line of per-row script code.
const name = "SalesCsvJs";
const metadata = {description: "Daily sales by region and product, from a CSV file"};
const schema = {
  date: "date32",
  region: "string",
  product: "string",
  units: "int64",
  revenue: "decimal128(12, 2)",
};

function on_load(ctx) {
  return csv.read("sales.csv", {columns: {revenue: "decimal128(12, 2)"}});
}

function call(parameters, columns, headers, ctx) {
  return ctx.state;
}
