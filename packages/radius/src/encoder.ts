import radius from "radius";

/**
 * Attribute encoding for the reply hot path. The radius package's `encode` allocates a 4 KiB
 * buffer, walks its dictionary per attribute and hashes through `binary` strings; profiling put
 * it at ~18 % of the daemon's CPU. This writes the same octets straight into a scratch buffer
 * with the dictionary lookups memoised per attribute name. Anything it does not know how to
 * write (tagged or encrypted attributes, unknown types) is reported as unsupported so the
 * caller can fall back to the package.
 */

export type AttributeValue = string | number | Buffer | Date;
export type AttributeList = Array<[string | number, AttributeValue] | ["Vendor-Specific", number, AttributeList]>;

export class UnsupportedAttribute extends Error {}

interface AttrInfo {
  id: number;
  type: string;
  /** set for attributes the package would encrypt or tag: not handled here */
  special: boolean;
  reverseEnum: Record<string, string>;
}

// The package keeps its dictionary private; `_attr_to(name, vendor, field)` is how its own
// encoder reads it (fields: 0 id, 2 type, 4 reverse enum, 5 modifiers).
const dict = radius as unknown as {
  load_dictionaries(): void;
  _attr_to(attr: string | number, vendor: number | undefined, field: number): unknown;
};

const infoCache = new Map<number, Map<string | number, AttrInfo | null>>();

function attrInfo(attr: string | number, vendor: number): AttrInfo | undefined {
  let byName = infoCache.get(vendor);
  if (!byName) {
    byName = new Map();
    infoCache.set(vendor, byName);
  }
  let info = byName.get(attr);
  if (info === undefined) {
    dict.load_dictionaries();
    // The package files standard attributes under its own "no vendor" key, reached with undefined.
    const v = vendor === 0 ? undefined : vendor;
    const id = dict._attr_to(attr, v, 0);
    if (id === undefined || id === null) {
      info = null;
    } else {
      const modifiers = (dict._attr_to(attr, v, 5) ?? {}) as Record<string, unknown>;
      info = {
        id: Number(id),
        type: String(dict._attr_to(attr, v, 2)),
        special: Boolean(modifiers.has_tag || modifiers["encrypt=1"]),
        reverseEnum: (dict._attr_to(attr, v, 4) ?? {}) as Record<string, string>,
      };
    }
    byName.set(attr, info);
  }
  return info ?? undefined;
}

const VENDOR_SPECIFIC = 26;

/** Writes attributes at `offset`; returns the new offset. Throws UnsupportedAttribute or RangeError. */
export function writeAttributes(buf: Buffer, offset: number, attributes: AttributeList, vendor = 0): number {
  let pos = offset;
  for (const attr of attributes) {
    const name = attr[0];
    const value = attr[1];
    const info = attrInfo(name, vendor);
    if (name === "Vendor-Specific" && vendor === 0 && attr.length === 3) {
      const start = pos;
      buf[pos] = VENDOR_SPECIFIC;
      buf.writeUInt32BE(Number(value), pos + 2);
      pos = writeAttributes(buf, pos + 6, attr[2], Number(value));
      const len = pos - start;
      if (len > 255) throw new RangeError("vendor-specific attribute too long");
      buf[start + 1] = len;
      continue;
    }
    if (Buffer.isBuffer(value)) {
      // Like the package: a Buffer is written as is, for known and numbered attributes alike.
      pos = writeHeaderAndValue(buf, pos, info ? info.id : Number(name), value);
      continue;
    }
    if (!info || info.special) throw new UnsupportedAttribute(String(name));
    switch (info.type) {
      case "string":
      case "text": {
        const s = String(value);
        // The package skips empty strings rather than writing a zero-length attribute.
        if (s.length === 0) continue;
        const len = buf.write(s, pos + 2, "utf8");
        if (len > 253 || len !== Buffer.byteLength(s, "utf8")) throw new RangeError(`attribute ${name} too long`);
        buf[pos] = info.id;
        buf[pos + 1] = len + 2;
        pos += len + 2;
        break;
      }
      case "ipaddr": {
        const parts = String(value).split(".");
        if (parts.length !== 4) throw new UnsupportedAttribute(`invalid IP ${String(value)}`);
        buf[pos] = info.id;
        buf[pos + 1] = 6;
        for (let i = 0; i < 4; i++) buf[pos + 2 + i] = Number(parts[i]) & 0xff;
        pos += 6;
        break;
      }
      case "date":
      case "time":
      case "integer": {
        let n: number;
        if (value instanceof Date) n = Math.floor(value.getTime() / 1000);
        else n = Number(info.reverseEnum[String(value)] ?? value);
        if (!Number.isFinite(n)) throw new UnsupportedAttribute(`invalid value for ${name}`);
        buf[pos] = info.id;
        buf[pos + 1] = 6;
        buf.writeUInt32BE(n >>> 0, pos + 2);
        pos += 6;
        break;
      }
      default:
        throw new UnsupportedAttribute(`${name} needs a Buffer`);
    }
  }
  return pos;
}

function writeHeaderAndValue(buf: Buffer, pos: number, id: number, value: Buffer): number {
  if (value.length > 253) throw new RangeError(`attribute ${id} too long`);
  buf[pos] = id;
  buf[pos + 1] = value.length + 2;
  value.copy(buf, pos + 2);
  return pos + 2 + value.length;
}
