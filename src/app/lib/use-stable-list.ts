// The same array as last render while every element is the same (Object.is): a stable dependency
// for hooks keyed on a list that is rebuilt on every render.
import { useRef } from 'react';

export function useStableList<T>(list: readonly T[]): readonly T[] {
  const ref = useRef(list);
  const prev = ref.current;
  if (prev !== list && (prev.length !== list.length || prev.some((x, i) => !Object.is(x, list[i])))) ref.current = list;
  return ref.current;
}
