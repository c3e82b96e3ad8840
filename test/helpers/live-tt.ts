/**
 * The second live topology (test/helpers/live-system.ts): twelve services shaped like TrainTicket (a Java/Spring
 * benchmark). A gateway (`/*`) routes five kinds of request of different popularity; each service's endpoint is a
 * route-named server span over a `XController.method` span, whose work is `XRepository.findY` → `SELECT ts.table`
 * spans and calls to other services, 2–5 levels deep (gateway → preserve → travel → basic → station/train/route/price).
 * Callers handle a callee's failure the way TrainTicket's code does: some catch it and go on with a fallback, some
 * catch it and return early themselves (HTTP 200 with { status: 0 }), some let it escape (HTTP 500 and Spring's
 * error dispatch, `BasicErrorController.error`). A callee that answers "found nothing" ({ status: 0 }) makes some
 * callers stop too.
 *
 * The cases are the real benchmark's fault types on varied services (leaves, mid-chain, a rarely used endpoint):
 * network delay (the proxy), CPU consumption (× 3), CPU contention (selected by name), an exception thrown by one endpoint (at its start, after its
 * repository, or half-way through its calls; HTTP 500 with a recorded exception; some handled by an advice without
 * the error span) and an early return of one endpoint (it answers { status: 0 } without its repositories and calls).
 */
import type { Endpoint, LiveFaultSpec, Step, Topology } from './live-system';

const svc = (s: string) => `ts-${s}-service`;
const repo = (repo: string, table: string, ioMs: number): Step => ({ repo, sql: `SELECT ts.${table}`, ioMs });
const call = (s: string, path: string, o: Omit<Extract<Step, { service: string }>, 'service' | 'path'> = {}): Step => ({ service: svc(s), path, ...o });
const ep = (name: string, controller: string, cpuMs: number, steps: Step[]): Endpoint => ({ name, controller, cpuMs, steps });

const P = {
  tripsLeft: '/api/v1/travelservice/trips/left',
  tripDetail: '/api/v1/travelservice/trip_detail',
  preserve: '/api/v1/preserveservice/preserve',
  contactsById: '/api/v1/contactservice/contacts/id',
  contactsByAccount: '/api/v1/contactservice/contacts/account',
  security: '/api/v1/securityservice/securityConfigs',
  orderTickets: '/api/v1/orderservice/order/tickets',
  orderSecurity: '/api/v1/orderservice/order/security',
  orderCreate: '/api/v1/orderservice/order',
  seat: '/api/v1/seatservice/seats/left_tickets',
  basic: '/api/v1/basicservice/basic/travel',
  station: '/api/v1/stationservice/stations/id',
  trainByName: '/api/v1/trainservice/trains/byName',
  trains: '/api/v1/trainservice/trains',
  routeById: '/api/v1/routeservice/routes/id',
  routes: '/api/v1/routeservice/routes',
  price: '/api/v1/priceservice/prices',
};

/** one trip's details in travel: basic (caught: the trip is skipped) then the seats left (caught too) */
const trip = (onError: 'fallback' | 'abort'): Step[] => [call('basic', P.basic, { method: 'POST', onError }), call('seat', P.seat, { method: 'POST', onError })];

const gw = (s: string, path: string, method: 'GET' | 'POST' = 'GET'): Endpoint => ep('/*', 'FilteringWebHandler.handle', 0.3, [call(s, path, { method, onError: 'pass' })]);

export const TT_SERVICES: Record<string, Record<string, Endpoint>> = {
  [svc('gateway')]: {
    [P.tripsLeft]: gw('travel', P.tripsLeft, 'POST'),
    [P.contactsByAccount]: gw('contacts', P.contactsByAccount),
    [P.routes]: gw('route', P.routes),
    [P.preserve]: gw('preserve', P.preserve, 'POST'),
    [P.trains]: gw('train', P.trains),
  },
  [svc('travel')]: {
    [P.tripsLeft]: ep(`${P.tripsLeft}`, 'TravelController.queryInfo', 1, [repo('TripRepository.findByStartAndTerminal', 'trip', 1.5), ...trip('fallback'), ...trip('fallback')]),
    [P.tripDetail]: ep(P.tripDetail, 'TravelController.getTripAllDetailInfo', 0.8, [repo('TripRepository.findByTripId', 'trip', 1), ...trip('abort')]),
  },
  [svc('preserve')]: {
    // TrainTicket's preserve catches each failure and answers { status: 0 } ("security check failed", "contacts not found")
    [P.preserve]: ep(P.preserve, 'PreserveController.preserve', 1, [
      call('security', P.security, { onError: 'stop', onEmpty: 'stop' }),
      call('contacts', P.contactsById, { onError: 'stop', onEmpty: 'stop' }),
      call('travel', P.tripDetail, { method: 'POST', onError: 'stop', onEmpty: 'stop' }),
      call('order', P.orderCreate, { method: 'POST', onError: 'abort' }),
    ]),
  },
  [svc('security')]: {
    [P.security]: ep(`${P.security}/{accountId}`, 'SecurityController.check', 0.5, [call('order', P.orderSecurity, { onError: 'abort' }), repo('SecurityRepository.findByName', 'security_config', 0.5)]),
  },
  [svc('contacts')]: {
    [P.contactsById]: ep(`${P.contactsById}/{id}`, 'ContactsController.getContactsByContactsId', 0.4, [repo('ContactsRepository.findById', 'contacts', 1)]),
    [P.contactsByAccount]: ep(`${P.contactsByAccount}/{accountId}`, 'ContactsController.findContactsByAccountId', 0.6, [repo('ContactsRepository.findByAccountId', 'contacts', 1.5)]),
  },
  [svc('order')]: {
    [P.orderTickets]: ep(P.orderTickets, 'OrderController.getTicketListByDateAndTripId', 0.5, [repo('OrderRepository.findByTravelDateAndTrainNumber', 'orders', 2)]),
    [P.orderSecurity]: ep(`${P.orderSecurity}/{checkDate}/{accountId}`, 'OrderController.securityInfoCheck', 0.4, [repo('OrderRepository.findByAccountId', 'orders', 1.5)]),
    [P.orderCreate]: ep(P.orderCreate, 'OrderController.createNewOrder', 0.6, [repo('OrderRepository.findByTripId', 'orders', 1), { repo: 'OrderRepository.save', sql: 'INSERT ts.orders', ioMs: 2 }]),
  },
  [svc('seat')]: {
    [P.seat]: ep(P.seat, 'SeatController.getLeftTicketOfInterval', 0.8, [call('order', P.orderTickets, { method: 'POST', onError: 'abort' })]),
  },
  [svc('basic')]: {
    // a station lookup that fails falls back to the name given; a missing train type or route ends the answer early
    [P.basic]: ep(P.basic, 'BasicController.queryForTravel', 0.8, [
      call('station', P.station, { onError: 'fallback' }),
      call('station', P.station, { onError: 'fallback' }),
      call('train', P.trainByName, { onError: 'stop', onEmpty: 'stop' }),
      call('route', P.routeById, { onError: 'abort', onEmpty: 'stop' }),
      call('price', P.price, { onError: 'abort' }),
    ]),
  },
  [svc('station')]: { [P.station]: ep(`${P.station}/{stationNameForId}`, 'StationController.queryForStationId', 0.3, [repo('StationRepository.findByName', 'station', 0.6)]) },
  [svc('train')]: {
    [P.trainByName]: ep(`${P.trainByName}/{name}`, 'TrainController.retrieveByName', 0.3, [repo('TrainTypeRepository.findByName', 'train_type', 0.5)]),
    [P.trains]: ep(P.trains, 'TrainController.query', 0.8, [repo('TrainTypeRepository.findAll', 'train_type', 2)]),
  },
  [svc('route')]: {
    [P.routeById]: ep(`${P.routeById}/{routeId}`, 'RouteController.queryById', 0.5, [repo('RouteRepository.findById', 'route', 1)]),
    [P.routes]: ep(P.routes, 'RouteController.queryAll', 1, [repo('RouteRepository.findAll', 'route', 2.5)]),
  },
  [svc('price')]: { [P.price]: ep(`${P.price}/{routeId}/{trainType}`, 'PriceController.query', 0.4, [repo('PriceConfigRepository.findByRouteIdAndTrainType', 'price_config', 0.8)]) },
};

/** Five kinds of request at the gateway: trips left (most), contacts, routes, a booking (rare), the train list (rarest). */
export const TT_TOPOLOGY: Topology = {
  name: 'tt',
  services: TT_SERVICES,
  front: svc('gateway'),
  mix: [
    [P.tripsLeft, 0.45],
    [P.contactsByAccount, 0.25],
    [P.routes, 0.12],
    [P.preserve, 0.13],
    [P.trains, 0.05],
  ],
  errorSpan: 'BasicErrorController.error',
};

/** A fault case of the TrainTicket-like topology, with a word on where it sits and what its callers do. */
export interface LiveCase extends LiveFaultSpec {
  note: string;
}

export const TT_CASES: LiveCase[] = [
  { kind: 'network_delay', service: svc('route'), note: 'leaf, called twice per trip by basic and by the routes request' },
  { kind: 'network_delay', service: svc('security'), note: 'mid-chain, on the rare booking request only' },
  { kind: 'network_delay', service: svc('seat'), note: 'mid-chain (travel → seat → order)' },
  { kind: 'network_delay', service: svc('contacts'), note: 'leaf, an entry service and the booking' },
  { kind: 'cpu', service: svc('travel'), note: 'mid-chain, CPU × 3' },
  { kind: 'cpu', service: svc('price'), note: 'leaf, CPU × 3 of 0.4 ms' },
  { kind: 'cpu', service: svc('order'), note: 'leaf shared by three callers' },
  { kind: 'cpu', service: svc('basic'), note: 'mid-chain fan-out' },
  // CPU contention (`--fault cpu_contention`, not in the default run): the process pinned to one core beside busy processes
  { kind: 'cpu_contention', service: svc('travel'), note: 'mid-chain, the most popular request' },
  { kind: 'cpu_contention', service: svc('basic'), note: 'mid-chain fan-out, called twice per trip' },
  { kind: 'cpu_contention', service: svc('price'), note: 'leaf, 0.4 ms of work per call' },
  { kind: 'cpu_contention', service: svc('order'), note: 'leaf shared by three callers' },
  { kind: 'cpu_contention', service: svc('contacts'), note: 'leaf of an entry request and the booking' },
  { kind: 'cpu_contention', service: svc('security'), note: 'rarely called (the booking only, 13 % of requests)' },
  { kind: 'exception', service: svc('station'), endpoint: P.station, share: 1, at: 'start', note: 'leaf; basic catches it and falls back' },
  { kind: 'exception', service: svc('price'), endpoint: P.price, share: 1, at: 'end', quiet: true, note: 'leaf, after its repository, no error span; basic rethrows, travel skips the trip, preserve stops' },
  { kind: 'exception', service: svc('order'), endpoint: P.orderTickets, share: 0.5, at: 'start', note: 'leaf, half the calls; seat rethrows, travel skips the seats' },
  { kind: 'exception', service: svc('contacts'), endpoint: P.contactsById, share: 1, at: 'end', quiet: true, note: 'rare endpoint (booking only), after its repository; preserve returns early' },
  { kind: 'exception', service: svc('basic'), endpoint: P.basic, share: 0.5, at: 2, note: 'mid-chain, after its station calls, half the calls; travel skips the trip' },
  { kind: 'exception', service: svc('security'), endpoint: P.security, share: 1, at: 'start', note: 'mid-chain on the rare booking; preserve returns early' },
  { kind: 'return', service: svc('route'), endpoint: P.routeById, share: 1, note: 'leaf, skips its repository; basic stops before price' },
  { kind: 'return', service: svc('travel'), endpoint: P.tripDetail, share: 1, note: 'mid-chain on the rare booking; preserve stops before the order' },
  { kind: 'return', service: svc('seat'), endpoint: P.seat, share: 1, note: 'mid-chain, skips order; travel goes on' },
  { kind: 'return', service: svc('basic'), endpoint: P.basic, share: 1, note: 'mid-chain fan-out, skips four services; travel goes on' },
  { kind: 'return', service: svc('order'), endpoint: P.orderSecurity, share: 1, note: 'leaf on the rare booking; security goes on' },
  { kind: 'return', service: svc('contacts'), endpoint: P.contactsByAccount, share: 1, note: 'leaf of a popular entry, skips its repository' },
  // a wrong value returned after all of its work (the real TrainTicket returns often look like this: the faulty
  // service's own spans unchanged, only its callers behave differently)
  { kind: 'return', service: svc('contacts'), endpoint: P.contactsById, share: 1, at: 'end', note: 'rare endpoint, a wrong value after its work; preserve stops' },
  { kind: 'return', service: svc('train'), endpoint: P.trainByName, share: 1, at: 'end', note: 'leaf, a wrong value after its work; basic stops before route and price' },
];
