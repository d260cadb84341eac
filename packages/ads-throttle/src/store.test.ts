import { runStoreContract } from '../test/store-contract.ts';
import { storeVariants } from '../test/stores.ts';

for (const variant of storeVariants()) runStoreContract(variant);
