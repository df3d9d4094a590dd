import VSMLCore
