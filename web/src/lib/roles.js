// Which console views a key's roles open (docs/api.md: templates need brand_manager; subscriber
// lookup, unlock and support calls need support; the audit log support or admin; stats and
// alerts analyst or admin). A key with none of these (a shop key) cannot use the console.

export const VIEWS = [
  { id: 'dashboard', roles: ['analyst', 'admin'] },
  { id: 'templates', roles: ['brand_manager'] },
  { id: 'support', roles: ['support'] },
  { id: 'audit', roles: ['support', 'admin'] },
];

export const CONSOLE_ROLES = ['brand_manager', 'support', 'analyst', 'admin'];

/** The view ids these roles may open, in menu order. */
export function viewsFor(roles) {
  const have = new Set(roles ?? []);
  return VIEWS.filter((v) => v.roles.some((r) => have.has(r))).map((v) => v.id);
}

/** True when the key may sign in to the console at all. */
export function canUseConsole(roles) {
  return (roles ?? []).some((r) => CONSOLE_ROLES.includes(r));
}

/**
 * The route to show for a hash like `#/templates`: the asked view when allowed, else the first
 * allowed one (null when none).
 */
export function resolveRoute(hash, roles) {
  const views = viewsFor(roles);
  const asked = String(hash ?? '').replace(/^#\/?/, '').split(/[/?]/)[0];
  if (views.includes(asked)) return asked;
  return views[0] ?? null;
}
