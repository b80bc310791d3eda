// Whether the console may use colour: NO_COLOR (https://no-color.org) turns it off, marks stay readable.
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
