// A dataset served by a REST API: GoodData's date filter and region filter
// become the API's query parameters, and its JSON answer becomes the table,
// decoded in Go. Configure the API in a section of your own:
//
//   [sales_api]
//   url = "https://api.example.com/sales"
//
// and let the server reach it: [flexfun.http] allow = ["api.example.com"].
const name = "SalesApiJs";
const metadata = {description: "Daily sales by region, from a REST API"};
const schema = {date: "date32", region: "string", units: "int64", revenue: "decimal128(12, 2)"};

function call(parameters, columns, headers, ctx) {
  const api = ctx.settings.sales_api || {};
  if (!api.url) {
    throw new Error('set the API\'s address: [sales_api] url = "https://..."');
  }
  const params = {};
  const e = ctx.execution;
  if (e !== null) {
    const days = e.date_range_dates("order_date", {inclusive_end: true});
    if (days) {
      params.from = days[0];
      params.to = days[1];
    }
    const region = e.attribute_filter("region.name");
    if (region && region.kind === "positive") {
      params.region = region.values.filter((v) => v !== null);
    }
  }
  const resp = http.get(api.url, {params, timeout: "10s", retries: 2});
  resp.raise_for_status();
  return resp.table({path: "data"});
}
