// The six-row sample function of GoodData's FlexConnect template, in
// JavaScript: the twin of sample.star.
//
// Try it:  flexfun-script call SampleFlexFunctionJs

const name = "SampleFlexFunctionJs";
const metadata = { description: "Six static rows, like GoodData's template (JavaScript)" };
const schema = {
  attribute1: "string",
  attribute2: "string",
  attribute3: "bool",
  fact1: "float64",
  fact2: "float64",
  fact3: "int64",
};

const ROWS = [
  ["id1", "value1", true, 123.456, 0.1, 111],
  ["id2", "value2", true, 23.45, 0.2, 222],
  ["id3", "value3", false, 3.456, 0.3, 333],
  ["id4", "value4", false, 45.678, 0.4, 444],
  ["id5", "value5", true, 567.89, 0.5, 555],
  ["id6", "value6", false, 6.789, 0.6, 666],
];

function call(parameters, columns, headers) {
  for (const row of ROWS) {
    emit(...row);
  }
}
