// A piscina task that only looks at what it was sent: the cost measured is the trip, not the work.
export default function byteLength(data: Uint8Array): number {
  return data.byteLength;
}
