// Whether the console may use colour: NO_COLOR (https://no-color.org) turns it off, marks stay readable.
import { Chalk, supportsColor, type ChalkInstance } from 'chalk';
import { createContext, useContext } from 'react';

export const ColorContext = createContext(true);

export function useColor(): boolean {
  return useContext(ColorContext);
}

export function colorAllowed(env: NodeJS.ProcessEnv = process.env): boolean {
  return !env.NO_COLOR;
}

/** A colour when colour is allowed, nothing otherwise. */
export function tint(allowed: boolean, color: string): string | undefined {
  return allowed ? color : undefined;
}

const colored = new Chalk({ level: supportsColor ? supportsColor.level : 0 });
const plain = new Chalk({ level: 0 });
// Dim and inverse are not colour: NO_COLOR keeps them, so muted rows and the cursor still show.
const styles = new Chalk({ level: supportsColor ? supportsColor.level : 1 });

/** Painters for strings built outside Ink's <Text> (table rows are one string each: fewer nodes, faster frames). */
export interface Paint {
  color: ChalkInstance;
  style: ChalkInstance;
}

export function paintFor(color: boolean): Paint {
  return { color: color ? colored : plain, style: styles };
}
