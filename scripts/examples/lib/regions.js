// A helper module: it has no call, so it is not a function itself.
// Functions use it with require("./lib/regions.js").

const REGIONS = {
  EU: { name: "Europe", currency: "EUR", vatPercent: 21 },
  US: { name: "United States", currency: "USD", vatPercent: 0 },
  APAC: { name: "Asia-Pacific", currency: "SGD", vatPercent: 9 },
};

function regionOf(code) {
  const r = REGIONS[code];
  if (r === undefined) {
    throw new Error(`unknown region ${JSON.stringify(code)} (known: ${Object.keys(REGIONS).join(", ")})`);
  }
  return r;
}

// money formats an integer number of cents as a decimal string: 12345 -> "123.45".
function money(cents) {
  return `${Math.floor(cents / 100)}.${String(100 + (cents % 100)).slice(1)}`;
}

module.exports = { REGIONS, regionOf, money };
