// The dashboard and portal as technicians and a client's IT manager use them (issue 18), French:
// a no-break space (U+00A0) before : ; ? ! and inside « », the typographic apostrophe.
export const frUx = {
  'app.close': 'Fermer',
} as const;
