export interface User {
  id: number;
  email: string;
  name: string;
  role: 'admin' | 'technician' | 'client';
  clientId: number | null;
  locale: string;
}

export const isStaff = (u: User) => u.role === 'admin' || u.role === 'technician';
