/**
 * Units after a number, in words: 5 km → "five kilometers", 1 kg → "one kilogram",
 * -3.5 °C → "minus three point five degrees Celsius", 60 km/h → "sixty kilometers per hour".
 * Only a unit right after a number is read; a lone "m" or "g" elsewhere is left alone.
 */
import { cardinal, decimal } from "./numbers.js";

/** Symbol → [singular, plural]. */
const UNITS: Readonly<Record<string, readonly [string, string]>> = {
  "°C": ["degree Celsius", "degrees Celsius"],
  "°F": ["degree Fahrenheit", "degrees Fahrenheit"],
  "°": ["degree", "degrees"],
  "km/h": ["kilometer per hour", "kilometers per hour"],
  kph: ["kilometer per hour", "kilometers per hour"],
  mph: ["mile per hour", "miles per hour"],
  "m/s": ["meter per second", "meters per second"],
  km: ["kilometer", "kilometers"],
  cm: ["centimeter", "centimeters"],
  mm: ["millimeter", "millimeters"],
  m: ["meter", "meters"],
  mi: ["mile", "miles"],
  ft: ["foot", "feet"],
  kg: ["kilogram", "kilograms"],
  mg: ["milligram", "milligrams"],
  g: ["gram", "grams"],
  lb: ["pound", "pounds"],
  lbs: ["pound", "pounds"],
  oz: ["ounce", "ounces"],
  ml: ["milliliter", "milliliters"],
  mL: ["milliliter", "milliliters"],
  l: ["liter", "liters"],
  L: ["liter", "liters"],
  ms: ["millisecond", "milliseconds"],
  sec: ["second", "seconds"],
  min: ["minute", "minutes"],
  h: ["hour", "hours"],
  hr: ["hour", "hours"],
  hrs: ["hour", "hours"],
  Hz: ["hertz", "hertz"],
  kHz: ["kilohertz", "kilohertz"],
  MHz: ["megahertz", "megahertz"],
  GHz: ["gigahertz", "gigahertz"],
  kB: ["kilobyte", "kilobytes"],
  KB: ["kilobyte", "kilobytes"],
  MB: ["megabyte", "megabytes"],
  GB: ["gigabyte", "gigabytes"],
  TB: ["terabyte", "terabytes"],
  W: ["watt", "watts"],
  kW: ["kilowatt", "kilowatts"],
  kWh: ["kilowatt hour", "kilowatt hours"],
  V: ["volt", "volts"],
};

const SYMBOLS = Object.keys(UNITS)
  .sort((a, b) => b.length - a.length)
  .map((s) => s.replace(/[/]/g, "\\/"))
  .join("|");
const PATTERN = new RegExp(String.raw`(?<![\w.])(-)?(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?\s?(${SYMBOLS})(?![\w°/])`, "g");

export function expandUnits(text: string): string {
  return text.replace(PATTERN, (_match: string, minus: string | undefined, whole: string, fraction: string | undefined, unit: string) => {
    const [one, many] = UNITS[unit]!;
    const amount = fraction === undefined ? cardinal(whole) : decimal(whole.replace(/,/g, ""), fraction);
    const singular = fraction === undefined && whole === "1" && !minus;
    return `${minus ? "minus " : ""}${amount} ${singular ? one : many}`;
  });
}
