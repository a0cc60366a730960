// A user's manager class in plain JavaScript, served in its own process by start({ module, export }).
import { BaseManager } from 'mpmanagers';

const shared = ['from a JavaScript manager class'];
export class SharedListManager extends BaseManager {}
SharedListManager.register('shared_list', { callable: () => shared });
