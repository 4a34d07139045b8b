// A dataset read from a Parquet file on every call: data/sales.parquet.
// Parquet keeps its own column types, and only the columns GoodData asks
// for (the columns hint) are read from the file.
const name = "SalesParquetJs";
const metadata = {description: "Daily sales by region and product, from a Parquet file"};
const schema = {
  date: "date32",
  region: "string",
  product: "string",
  units: "int64",
  revenue: "decimal128(12, 2)",
};

function call(parameters, columns, headers, ctx) {
  return parquet.read("sales.parquet");
}
