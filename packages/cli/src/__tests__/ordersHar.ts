/**
 * A HAR 1.2 capture of an orders API as a browser or proxy records it: several hundred entries with
 * mixed statuses (200, 201, 204, 400, 404, 422, 500, 503), JSON bodies with optional fields, closed
 * sets (order status), timestamps, UUIDs, and personal data (names, emails, phones) that an inferred
 * document must not copy. Seeded: the same capture every run.
 */

/** A small deterministic generator (mulberry32). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const FIRST = ['Ada', 'Grace', 'Alan', 'Katherine', 'Linus', 'Margaret', 'Dennis', 'Barbara', 'Ken', 'Frances'];
const LAST = [
  'Lovelace',
  'Hopper',
  'Turing',
  'Johnson',
  'Torvalds',
  'Hamilton',
  'Ritchie',
  'Liskov',
  'Thompson',
  'Allen',
];
const STATUSES = ['pending', 'paid', 'shipped', 'cancelled'];

export interface HarOptions {
  entries: number;
  seed?: number;
  /** Also call endpoints the documented API does not have (a shadow API) and add a field. */
  drift?: boolean;
  host?: string;
}

export interface HarCapture {
  har: { log: { version: string; creator: { name: string; version: string }; entries: unknown[] } };
  /** Personal data that occurs in the capture (must not reach an inferred document). */
  personal: string[];
}

export function ordersHar(o: HarOptions): HarCapture {
  const r = rng(o.seed ?? 7);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const hex = (n: number): string => Array.from({ length: n }, () => Math.floor(r() * 16).toString(16)).join('');
  const uuid = (): string => `${hex(8)}-${hex(4)}-4${hex(3)}-${pick(['8', '9', 'a', 'b'])}${hex(3)}-${hex(12)}`;
  const host = o.host ?? 'https://api.shop.example.com';
  const personal: string[] = [];
  const customer = (): Record<string, unknown> => {
    const first = pick(FIRST);
    const last = pick(LAST);
    const email = `${first.toLowerCase()}.${last.toLowerCase()}${Math.floor(r() * 90 + 10)}@mail.example.org`;
    const phone = `+44 20 7946 0${Math.floor(r() * 900 + 100)}`;
    personal.push(email, phone, `${first} ${last}`);
    return { id: Math.floor(r() * 90000 + 10000), name: `${first} ${last}`, email, phone };
  };
  const order = (id: string): Record<string, unknown> => {
    const items = Array.from({ length: 1 + Math.floor(r() * 3) }, () => ({
      sku: `SKU-${Math.floor(r() * 9000 + 1000)}`,
      qty: 1 + Math.floor(r() * 4),
      price: Math.round(r() * 10000) / 100,
    }));
    const o2: Record<string, unknown> = {
      id,
      status: pick(STATUSES),
      createdAt: new Date(Date.UTC(2026, 10, 1 + Math.floor(r() * 28), Math.floor(r() * 24), 0, 0)).toISOString(),
      customer: customer(),
      items,
      total: Math.round(items.reduce((a, i) => a + i.price * i.qty, 0) * 100) / 100,
    };
    if (r() < 0.3) o2.coupon = `SAVE${Math.floor(r() * 30)}`;
    if (o.drift && r() < 0.5) o2.loyaltyPoints = Math.floor(r() * 500);
    return o2;
  };
  const entry = (
    method: string,
    path: string,
    status: number,
    response?: unknown,
    request?: unknown,
  ): Record<string, unknown> => ({
    startedDateTime: '2026-11-20T10:00:00.000Z',
    time: 12,
    request: {
      method,
      url: `${host}${path}`,
      httpVersion: 'HTTP/1.1',
      headers: [{ name: 'Accept', value: 'application/json' }],
      queryString: [],
      cookies: [],
      headersSize: -1,
      bodySize: request === undefined ? 0 : JSON.stringify(request).length,
      ...(request === undefined ? {} : { postData: { mimeType: 'application/json', text: JSON.stringify(request) } }),
    },
    response: {
      status,
      statusText: '',
      httpVersion: 'HTTP/1.1',
      headers: [],
      cookies: [],
      content:
        response === undefined
          ? { size: 0, mimeType: 'x-unknown' }
          : {
              size: JSON.stringify(response).length,
              mimeType: 'application/json; charset=utf-8',
              text: JSON.stringify(response),
            },
      redirectURL: '',
      headersSize: -1,
      bodySize: -1,
    },
    cache: {},
    timings: { send: 1, wait: 10, receive: 1 },
  });
  const problem = (status: number, title: string) => ({ type: 'about:blank', title, status });
  const entries: unknown[] = [];
  for (let i = 0; i < o.entries; i++) {
    const id = uuid();
    const x = r();
    if (x < 0.25) {
      const status = r() < 0.95 ? 200 : 503;
      const q = `?status=${pick(STATUSES)}&limit=${pick([10, 20, 50])}${r() < 0.4 ? `&page=${1 + Math.floor(r() * 5)}` : ''}`;
      entries.push(
        entry(
          'GET',
          `/v1/orders${q}`,
          status,
          status === 200
            ? { data: [order(uuid()), order(uuid())], page: 1, hasMore: r() < 0.5 }
            : problem(503, 'Service Unavailable'),
        ),
      );
    } else if (x < 0.55) {
      const status = r() < 0.85 ? 200 : 404;
      entries.push(entry('GET', `/v1/orders/${id}`, status, status === 200 ? order(id) : problem(404, 'Not Found')));
    } else if (x < 0.72) {
      const c = customer();
      const body = {
        customerId: c.id,
        items: [{ sku: `SKU-${Math.floor(r() * 9000 + 1000)}`, qty: 1 }],
        ...(r() < 0.3 ? { coupon: 'SAVE10' } : {}),
      };
      const y = r();
      const status = y < 0.8 ? 201 : y < 0.9 ? 400 : y < 0.97 ? 422 : 500;
      entries.push(entry('POST', '/v1/orders', status, status === 201 ? order(id) : problem(status, 'Problem'), body));
    } else if (x < 0.85) {
      entries.push(
        entry('GET', `/v1/customers/${Math.floor(r() * 90000 + 10000)}/orders`, 200, {
          data: [order(uuid())],
          page: 1,
          hasMore: false,
        }),
      );
    } else if (x < 0.93) {
      entries.push(entry('DELETE', `/v1/orders/${id}`, r() < 0.9 ? 204 : 404));
    } else if (o.drift && x < 0.97) {
      entries.push(
        entry('GET', `/v1/internal/export/${Math.floor(r() * 1000)}`, 200, {
          rows: 120,
          url: 'https://files.shop.example.com/e.csv',
        }),
      );
    } else {
      entries.push(entry('GET', '/v1/health', 200, { status: 'UP' }));
    }
  }
  return { har: { log: { version: '1.2', creator: { name: 'proxy', version: '1.0' }, entries } }, personal };
}
