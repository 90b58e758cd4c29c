/** The parts of ua-parser-js 1.x (MIT) and geoip-lite 2.x that the policies use; neither ships types. */
declare module 'ua-parser-js' {
  interface UAResult {
    ua: string;
    browser: { name?: string; version?: string };
    os: { name?: string; version?: string };
    device: { type?: string; vendor?: string; model?: string };
    engine: { name?: string };
  }
  function UAParser(ua: string): UAResult;
  export = UAParser;
}

declare module 'geoip-lite' {
  interface GeoRecord {
    country: string;
    region: string;
    timezone: string;
    city: string;
    ll: [number, number];
  }
  export function lookup(ip: string): GeoRecord | null;
}
