// Uses a helper module through require(), with a path relative to this
// file. The twin of regions.star.
//
// Try it:  flexfun-script call RegionsJs --params '{"net_cents": 19999}'

const { REGIONS, money, regionOf } = require("./lib/regions.js");

const name = "RegionsJs";
const metadata = { description: "One row per region: a net price with the region's VAT, from a helper module (JavaScript)" };
const schema = [
  ["code", "string not null"],
  ["name", "string"],
  ["currency", "string"],
  ["gross", "decimal128(18, 2)"],
];

function call(parameters, columns, headers) {
  const net = parameters.net_cents ?? 10000;
  return Object.keys(REGIONS)
    .sort()
    .map((code) => {
      const r = regionOf(code);
      return [code, r.name, r.currency, money(Math.floor((net * (100 + r.vatPercent)) / 100))];
    });
}
