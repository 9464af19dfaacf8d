import type { SessionUserView } from '@vigie/shared/api';
export type User = SessionUserView;

export const isStaff = (u: User) => u.role === 'admin' || u.role === 'technician';
