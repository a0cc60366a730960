// A user's module in TypeScript (run under tsx): a Process target, Pool functions, a manager class.
import { BaseManager, type ListProxy } from 'mpmanagers';

export async function appendFromChild(list: ListProxy<string>): Promise<void> {
  await list.append(`typed child ${process.pid}`);
}

export function cube(x: number): number {
  return x ** 3;
}

const greetings: string[] = ['hello'];
export class GreetingManager extends BaseManager {
  declare greetings: () => Promise<ListProxy<string>>;
}
GreetingManager.register('greetings', { callable: () => greetings });

export async function reportFlags(list: ListProxy<string>): Promise<void> {
  await list.append(process.execArgv.join(' '));
}
